"""Build content/ into dist/: the same as `lo-static build` with the defaults.

python build.py [any lo-static build options]
"""

import sys

from lo_static.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
