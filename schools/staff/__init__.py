"""Staff accounts and roles, kept in the product by the school administrator (and the TSO for the
trust's roles)."""
