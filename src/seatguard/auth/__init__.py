"""Identity: users, password hashing, login throttling and token issuing."""
