#!/usr/bin/env node
// Offline schema validation of rendered Kubernetes manifests:
//   kubectl kustomize k8s/overlays/gpu | node deploy/validate/validate.mjs
//   node deploy/validate/validate.mjs rendered.yaml
// Each YAML document is checked against the Kubernetes OpenAPI schema of its apiVersion and kind,
// as compiled into the `kubernetes-models` package (ajv validators; `npm ci` here first). A
// document of a kind the package does not know fails: an unchecked document would pass silently.
// Like kubeconform without -strict, the schemas accept fields they do not name (the .NET
// deployment tests catch those, UnknownFieldTests); types, enums, formats and required fields
// are checked. Exit code 0 when every document is valid, 1 otherwise,
// 2 when the input cannot be read or parsed.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const path = process.argv[2];
let text;
try {
  text = readFileSync(path ?? 0, "utf8");
} catch (e) {
  console.error(`validate: cannot read ${path ?? "stdin"}: ${e.message}`);
  process.exit(2);
}

const documents = parseAllDocuments(text);
let failures = 0;
let checked = 0;
for (const [index, document] of documents.entries()) {
  if (document.errors.length > 0) {
    console.error(`validate: document ${index + 1} is not valid YAML: ${document.errors[0].message}`);
    process.exit(2);
  }
  const manifest = document.toJS();
  if (manifest === null || manifest === undefined) continue; // an empty document between separators
  const label = `${manifest.kind ?? "(no kind)"}/${manifest.metadata?.name ?? "(no name)"}`;
  const problem = await check(manifest);
  checked++;
  if (problem) {
    failures++;
    console.error(`INVALID ${label} (${manifest.apiVersion}): ${problem}`);
  } else {
    console.log(`valid ${label} (${manifest.apiVersion})`);
  }
}
if (checked === 0) {
  console.error("validate: no documents in the input");
  process.exit(1);
}
console.log(`${checked - failures} of ${checked} documents valid`);
process.exit(failures === 0 ? 0 : 1);

// The schema error of one manifest, or null when it is valid.
async function check(manifest) {
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return "apiVersion and kind must be strings";
  let module;
  try {
    // "v1" → kubernetes-models/v1, "apps/v1" → kubernetes-models/apps/v1, and so on.
    module = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return `unknown apiVersion ${apiVersion}: no schema to check it against`;
  }
  const Model = module[kind];
  // The module also exports nested types (Affinity, Container, ...); only a top-level kind
  // carries its own apiVersion and kind.
  if (typeof Model !== "function" || Model.apiVersion !== apiVersion || Model.kind !== kind)
    return `unknown kind ${kind} in ${apiVersion}: no schema to check it against`;
  try {
    new Model(manifest).validate();
    return null;
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : [];
    return errors.length > 0
      ? errors.map(x => `${x.instancePath || "/"} ${x.message ?? x.keyword}${x.params?.allowedValues ? ` (${x.params.allowedValues.join(", ")})` : ""}`).join("; ")
      : e.message;
  }
}
