"""Category governance (ADR 0019): the trust's concern categories, and requests to change them."""
