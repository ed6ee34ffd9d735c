"""Map the repository's top-level folders onto the ``podium.*`` namespace.

``core/`` installs as ``podium.core``, ``web/`` as ``podium.web`` and so on, for wheels and
editable installs alike. ``podium`` itself is an implicit namespace package.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).parent
TOP_LEVEL = ["core", "tournaments", "ticketing", "social", "plugins", "web", "tests"]

packages: list[str] = []
package_dir: dict[str, str] = {}
for top in TOP_LEVEL:
    package_dir[f"podium.{top}"] = top
    packages.append(f"podium.{top}")
    # Namespace discovery also lists template and static folders, so their files ship as
    # package data in wheels (setuptools warns about data folders left out otherwise).
    packages += [
        f"podium.{top}.{sub}"
        for sub in find_namespace_packages(str(HERE / top), exclude=["*__pycache__*"])
    ]

setup(
    packages=packages,
    package_dir=package_dir,
    include_package_data=True,
    package_data={"": ["*.html", "*.css", "*.js", "*.svg", "*.json", "*.md", "*.png", "*.jpg", "*.webm", "*.txt", "*.yaml", "*.po", "*.pot", "*.mo", "LICENSE"]},
)
