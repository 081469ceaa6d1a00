"""User data on this machine, usable without Flask: where it lives, and the feedback store."""
