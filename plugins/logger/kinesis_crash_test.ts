import { assertEquals } from "../../testing/assert.ts";
import { crashCheck } from "../../cmd/daemon/crash_check.ts";
import { pipelineSink } from "./pipeline_peers.ts";

Deno.test({
  name: "aws_kinesis: daemon killed with SIGKILL at 20 random moments, every change reaches Kinesis exactly once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const peer = await pipelineSink("aws_kinesis");
    try {
      const report = await crashCheck(20, () => {}, peer.sink);
      assertEquals(report.problems, []);
    } finally {
      await peer.close();
    }
  },
});
