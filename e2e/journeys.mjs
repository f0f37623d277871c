// The browser journeys of issues 11 and 12, run by scripts/e2e.sh against a real server.
import * as h from "./harness.mjs";
import { guangdong, guangdongPerformance, oucn } from "./banks.mjs";
import { conversion } from "./conversion.mjs";
import { credentials } from "./credentials.mjs";
import { feedback, importedLearners, newLearner } from "./learner.mjs";
import { everyMenu, publicPages } from "./pages.mjs";
import { portal } from "./portal.mjs";
import { department, expert, institutionTools } from "./staff.mjs";

const everything = [
  ["pre-imported learners complete their accounts", importedLearners],
  ["a learner registers, adds an outcome with evidence, submits, changes mobile and password", newLearner],
  ["a learner reports a problem and the institution answers it", feedback],
  ["a learner applies; the school edits its draft rule and reviews the applications", conversion],
  ["a department works its queues", department],
  ["an expert gives a final review", expert],
  ["an institution exports its learner accounts and filters its rules", institutionTools],
  ["the centre publishes news and answers questions; the statistics draw", portal],
  ["a learner downloads an Open Badges credential; a visitor verifies it", credentials],
  ["the public pages", publicPages],
  ["every page of every role's menu", everyMenu],
];

// The national bank runs everything; the other profiles their own sign-up and sign-in.
const byProfile = {
  oucn: [["an OUCN student activates by e-mail link and the bank's review", oucn]],
  guangdong: [
    ["a Guangdong learner registers with a user name and signs in with it", guangdong],
    ["a Guangdong learner converts a work record into a course (业绩类成果转换)", guangdongPerformance],
  ],
};
const journeys = byProfile[process.env.PROFILE] ?? everything;

await h.start();
let failed = 0;
for (const [name, run] of journeys) {
  const before = h.failures.length;
  try {
    await run();
  } catch (e) {
    h.failures.push(`${name}: ${e.stack ?? e}`);
  }
  const mine = h.failures.length - before;
  console.log(`${mine === 0 ? "ok  " : "FAIL"} ${name}`);
  if (mine) failed++;
}
await h.stop();
for (const f of h.failures) console.log("  - " + f);
console.log(`${journeys.length - failed} of ${journeys.length} journeys passed; screenshots in ${process.env.OUT ?? "target/e2e"}`);
process.exit(failed ? 1 : 0);
