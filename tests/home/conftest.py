from tests.concerns.conftest import categories  # noqa: F401  (the trust's category list)
