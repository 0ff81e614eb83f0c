from tests.concerns.conftest import categories  # noqa: F401  (the trust's category list)
from tests.support.transfer_fixtures import ready  # noqa: F401  (a transfer with its file ready)
