import assert from "node:assert/strict";
import { TestProgress } from "./test_progress.ts";

const GREY = "\x1b[0m\x1b[38;5;245m";
const OK = "\x1b[0m\x1b[32mok\x1b[0m";

Deno.test("TestProgress names the test and step that started and did not finish", () => {
  const progress = new TestProgress();
  assert.equal(progress.describe(), undefined);
  progress.feed(`${GREY}running 2 tests from ./tests/e2e_test.ts\x1b[0m\nouter one ...\n`);
  progress.feed(`  step a ... ${OK} ${GREY}(157ms)\x1b[0m\n  step b ...\n    inn`);
  progress.feed(`er ...\n${GREY}------- output -------\x1b[0m\nhello ... world\n`);
  assert.equal(progress.describe(), "./tests/e2e_test.ts > outer one > step b > inner (running)");
  progress.feed(`    inner ... ${OK} (0ms)\n  step b ... ${OK} (2ms)\n`);
  assert.equal(progress.describe(), "./tests/e2e_test.ts > outer one (running)");
  progress.feed(`outer one ... ${OK} (1s)\n`);
  assert.equal(
    progress.describe(),
    "./tests/e2e_test.ts > outer one (finished; no test was running)",
  );
});

Deno.test("TestProgress sees a test whose `name ...` line is not finished yet", () => {
  const progress = new TestProgress();
  progress.feed("running 1 test from ./tests/a_test.ts\nfirst ... ok (1ms)\nsecond ... ");
  assert.equal(progress.describe(), "./tests/a_test.ts > second (running)");
});

Deno.test("TestProgress counts a failed test as finished", () => {
  const progress = new TestProgress();
  progress.feed(
    "running 1 test from ./tests/a_test.ts\nfirst ... \x1b[0m\x1b[31mFAILED\x1b[0m (1ms)\n",
  );
  assert.equal(progress.describe(), "./tests/a_test.ts > first (finished; no test was running)");
});
