# ctest-labels: client
"""The legacy `magnum` CLI at `--magnum-api-version 1.1` (flows in legacy_flows.py)."""
import unittest

import legacy_flows


class LegacyCliV11Test(legacy_flows.LegacyCliFlows):
    VERSION = "1.1"
    MV = 1

    def test_major_version_only(self):
        # `--magnum-api-version 1` is sent as is (`container-infra 1`), which the API refuses
        # as upstream does; the client's code meant to send no header then.
        run = self.magnum("1", "cluster-list", ok=False)
        with self.about(run):
            self.assertIn("-H 'OpenStack-API-Version: container-infra 1'", run.stderr)
            self.assertIn("ERROR: Invalid value for OpenStack-API-Version header (HTTP 406)",
                          run.output)

if __name__ == "__main__":
    unittest.main()
