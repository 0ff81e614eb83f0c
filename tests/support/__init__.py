"""Helpers shared by the tests: the world, factories, records and the query-count fixture."""
