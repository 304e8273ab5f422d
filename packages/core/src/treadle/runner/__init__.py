"""The runner: assembles the training components and hands control to loops."""
