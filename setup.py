"""Maps the top-level folders to `provtop.*` with every subpackage, for wheels and editable installs.

pyproject.toml holds the metadata; only the package list needs code, because setuptools cannot
discover subpackages below a remapped folder on its own.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = {"provtop.tui": "tui", "provtop.backend": "backend", "provtop.transports": "transports", "provtop.styles": "styles"}

packages = []
for package, folder in FOLDERS.items():
    packages.append(package)
    packages += [f"{package}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])]

setup(packages=packages, package_dir=FOLDERS)
