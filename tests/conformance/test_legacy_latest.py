# ctest-labels: client
"""The legacy `magnum` CLI at `--magnum-api-version latest` (flows in legacy_flows.py)."""
import unittest

import legacy_flows


class LegacyCliLatestTest(legacy_flows.LegacyCliFlows):
    VERSION = "latest"
    MV = 14


if __name__ == "__main__":
    unittest.main()
