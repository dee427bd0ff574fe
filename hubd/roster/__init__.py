"""The class list: reading learners from teachers' files."""
