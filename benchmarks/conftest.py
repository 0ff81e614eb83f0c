from tests.concerns.conftest import categories  # noqa: F401  (the trust's category list)
from tests.conftest import world  # noqa: F401  (the same two-school world as the tests)
