"""Quality assurance (ADR 0018): the TSO samples closed files each term and reviews them."""
