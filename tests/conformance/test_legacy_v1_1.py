# ctest-labels: client
"""The legacy `magnum` CLI at `--magnum-api-version 1.1` (flows in legacy_flows.py)."""
import unittest

import legacy_flows


class LegacyCliV11Test(legacy_flows.LegacyCliFlows):
    VERSION = "1.1"
    MV = 1


if __name__ == "__main__":
    unittest.main()
