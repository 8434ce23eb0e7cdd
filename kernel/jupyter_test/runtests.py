"""Runs test modules with unittest and fails on any failure, error or skip."""

import sys
import unittest


def main(names):
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if result.skipped:
        print(f"FAILED: {len(result.skipped)} test(s) skipped; every test must run", file=sys.stderr)
        for test, reason in result.skipped:
            print(f"  skipped {test}: {reason}", file=sys.stderr)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
