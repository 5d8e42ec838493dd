// A self-signed X.509 certificate for 127.0.0.1, made with node:crypto alone (no openssl command needed), for the
// test that TLS verification is on by default.
import crypto from "node:crypto";

function der(tag: number, ...content: Buffer[]): Buffer {
    const body = Buffer.concat(content);
    const n = body.length;
    const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, body]);
}
const seq = (...c: Buffer[]) => der(0x30, ...c);
const set = (...c: Buffer[]) => der(0x31, ...c);
const int = (bytes: number[]) => der(0x02, Buffer.from(bytes));
const bitString = (b: Buffer) => der(0x03, Buffer.from([0]), b);
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
const utcTime = (d: Date) => der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));

function oid(text: string): Buffer {
    const parts = text.split(".").map(Number);
    const bytes = [parts[0] * 40 + parts[1]];
    for (const p of parts.slice(2)) {
        const chunk: number[] = [];
        let v = p;
        do {
            chunk.unshift(v & 0x7f);
            v >>= 7;
        } while (v > 0);
        for (let i = 0; i < chunk.length - 1; i++) chunk[i] |= 0x80;
        bytes.push(...chunk);
    }
    return der(0x06, Buffer.from(bytes));
}

/** A certificate and key (PEM) for CN=127.0.0.1 with subjectAltName IP:127.0.0.1, valid for a day. */
export function selfSignedCert(): {cert: string; key: string} {
    const {privateKey, publicKey} = crypto.generateKeyPairSync("ec", {namedCurve: "prime256v1"});
    const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
    const name = seq(set(seq(oid("2.5.4.3"), utf8("127.0.0.1"))));
    const now = Date.now();
    const san = seq(oid("2.5.29.17"), der(0x04, seq(der(0x87, Buffer.from([127, 0, 0, 1])))));
    const tbs = seq(
        der(0xa0, int([2])), // version 3
        int([0x01, ...crypto.randomBytes(8)]),
        ecdsaSha256,
        name,
        seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86_400_000))),
        name,
        publicKey.export({type: "spki", format: "der"}),
        der(0xa3, seq(san))
    );
    const signature = crypto.sign("sha256", tbs, privateKey);
    const cert = seq(tbs, ecdsaSha256, bitString(signature));
    const pem = `-----BEGIN CERTIFICATE-----\n${cert.toString("base64").replace(/(.{64})/g, "$1\n").trim()}\n-----END CERTIFICATE-----\n`;
    return {cert: pem, key: privateKey.export({type: "pkcs8", format: "pem"}) as string};
}
