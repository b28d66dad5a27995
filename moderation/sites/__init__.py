"""Sites: the newsrooms (or sections) one service moderates, each with its own settings."""
