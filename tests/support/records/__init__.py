"""Records made through the real services, for the tests and the tenancy matrix's world."""
