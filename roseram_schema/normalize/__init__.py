"""The desired state as PostgreSQL prints it: the source built in a scratch database and read back."""
