"""The Django site bench/pages.py serves: the product plus the bare view. It sits in a package
of its own because `make bench` runs every bench/*.py as a script."""
