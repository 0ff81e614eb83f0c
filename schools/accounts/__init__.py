"""A person's own account: their password, where they are signed in, staying signed in."""
