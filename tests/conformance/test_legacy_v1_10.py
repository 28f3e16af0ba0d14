# ctest-labels: client
"""The legacy `magnum` CLI at `--magnum-api-version 1.10` (flows in legacy_flows.py)."""
import unittest

import legacy_flows


class LegacyCliV110Test(legacy_flows.LegacyCliFlows):
    VERSION = "1.10"
    MV = 10


if __name__ == "__main__":
    unittest.main()
