"""The teachers' pages: accounts, learners, groups, assignments, login cards and reports.

`hubd.web.admin.setup.install(app)` adds them to the hub's application.
"""
