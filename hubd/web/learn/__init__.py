"""The learner side: sign in, find, watch, read, do and resume lessons."""
