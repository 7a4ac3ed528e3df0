"""The portal: server-rendered pages for the public and the credit offices."""
