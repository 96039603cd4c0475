"""Development-only tooling: the local stack behind `doable up`. The container image does not ship it.

It lives beside the `doable` package, outside its distribution: the venv's editable install puts
`shared/` on the path, so it imports there, while the wheel the image installs lists only `doable`.
"""
