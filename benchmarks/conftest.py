from tests.conftest import world  # noqa: F401  (the same two-school world as the tests)
