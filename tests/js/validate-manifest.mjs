// Validate a Teams app manifest against an official JSON schema, with Microsoft's own validator.
//
//   node tests/js/validate-manifest.mjs <manifest.json> <schema.json>
//
// Uses `AppManifestUtils.validateAgainstSchema` from npm @microsoft/app-manifest (ajv with the
// draft-04 meta-schema and the formats Microsoft enables), resolved from this script's own
// node_modules. Prints a JSON list of error strings on stdout; exits 0 when the manifest is
// valid, 1 when it is not, 2 on a usage or load error (message on stderr).

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`validate-manifest: ${message}\n`);
  process.exit(2);
}

async function readJson(path, what, clean = (text) => text) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    fail(`cannot read ${what} ${path}: ${error.message}`);
  }
  try {
    return JSON.parse(clean(text.replace(/^\uFEFF/, "")));
  } catch (error) {
    fail(`${what} ${path} is not JSON: ${error.message}`);
  }
}

// The repair the package applies to a schema it loads itself (AppManifestUtils.fetchSchema), so
// that a schema given by path is read exactly as the package would read it: published schemas
// have used the regex escape \a, which ajv's unicode-mode regexes reject.
function cleanSchemaText(text) {
  return text.replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
}

const [manifestPath, schemaPath, ...extra] = process.argv.slice(2);
if (!manifestPath || !schemaPath || extra.length > 0) {
  fail("usage: node validate-manifest.mjs <manifest.json> <schema.json>");
}

let AppManifestUtils;
try {
  ({ AppManifestUtils } = require("@microsoft/app-manifest"));
} catch (error) {
  fail(`cannot load @microsoft/app-manifest (run npm ci in tests/js): ${error.message}`);
}
if (typeof AppManifestUtils?.validateAgainstSchema !== "function") {
  fail("@microsoft/app-manifest has no AppManifestUtils.validateAgainstSchema");
}

const manifest = await readJson(manifestPath, "manifest");
const schema = await readJson(schemaPath, "schema", cleanSchemaText);

let errors;
try {
  errors = await AppManifestUtils.validateAgainstSchema(manifest, schema);
} catch (error) {
  fail(`cannot validate against ${schemaPath}: ${error.message}`);
}
process.stdout.write(`${JSON.stringify(errors, null, 2)}\n`);
process.exit(errors.length === 0 ? 0 : 1);
