"""`make run`: the embedded demo on one machine, served over plain HTTP on 127.0.0.1."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="insecure-local-demo-key-never-use-in-production")
