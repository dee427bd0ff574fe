"""The hub's web server: pages for learners and teachers, the JSON API, course files."""
