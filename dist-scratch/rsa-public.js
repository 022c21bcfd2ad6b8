import { createHash, createPublicKey } from "node:crypto";
function tlBytes(data) {
  const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 255, data.length >> 8 & 255, data.length >> 16 & 255]);
  const used = head.length + data.length;
  return Buffer.concat([head, data, Buffer.alloc((4 - used % 4) % 4)]);
}
function readRsaPublicKey(pem) {
  const jwk = createPublicKey(pem).export({ format: "jwk" });
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) throw new Error("not an RSA public key");
  const n = Buffer.from(jwk.n, "base64url");
  const eBuf = Buffer.from(jwk.e, "base64url");
  const e = eBuf.readUIntBE(0, eBuf.length);
  const digest = createHash("sha1").update(tlBytes(n)).update(tlBytes(eBuf)).digest();
  return { n, e, fingerprint: digest.subarray(12, 20).readBigInt64LE(0) };
}
export {
  readRsaPublicKey
};
