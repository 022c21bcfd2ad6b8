// The BlobStore contract on the disk store (the S3 half runs in test/engines/blob-contract.test.ts).
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBlobStore } from '../../../src/infra/blob/index.js';
import { blobContract } from '../../support/contracts/blob-contract.js';

const root = mkdtempSync(join(tmpdir(), 'echo-blob-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));
blobContract('disk', async () => new DiskBlobStore(root).init());
