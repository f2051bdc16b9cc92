//! A small deterministic mutator for stress runs without a fuzzing engine: byte flips, inserted
//! markup fragments, cut and duplicated ranges, splices of two seeds.
#![allow(dead_code)]

/// xorshift64*: enough randomness for mutation, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"<", b">", b"/>", b"</", b"&", b"&amp;", b"&#0;", b"&#x1F642;", b"&lt;", b"&foo;", b"]]>", b"<![CDATA[x]]>",
    b"<!-- c -->", b"<?pi x?>", b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"\"", b"'", b"=", b"\xEF\xBB\xBF", b"\xC3\x28",
    b"\r\n", b"\0", b"<edXML:To><edXML:OrganId>H41.1</edXML:OrganId></edXML:To>", b"<edXML:Subject>s</edXML:Subject>",
    b"<Attachment><ContentId>z</ContentId><AttachmentName>a</AttachmentName><ContentTransferEncoded>QUJD</ContentTransferEncoded></Attachment>",
    b"000.00.12.H41", b"H41.12", b"05/03/2024 08:30:00", b"2024/13/40", b"Business", b"Bussiness", b"QD", b"99",
    b"cid:", b"PK\x03\x04", b"xmlns:edXML=\"x\"", b"edXML:", b"<edXML:DigitalSignature><Signature/></edXML:DigitalSignature>",
];

/// One mutated copy of `seed` (another seed may be spliced in).
pub fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
                data.splice(i..i, f.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                data.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(256)).min(len);
                let chunk = data[a..b].to_vec();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, chunk);
            }
            5 if len > 0 => {
                data.truncate(rng.below(len));
            }
            6 if !other.is_empty() && len > 0 => {
                let a = rng.below(len);
                let b = rng.below(other.len());
                let mut spliced = data[..a].to_vec();
                spliced.extend_from_slice(&other[b..]);
                data = spliced;
            }
            _ => {
                // Swap two ASCII letters' case somewhere (element names, hex digits).
                if len > 0 {
                    let i = rng.below(len);
                    data[i] = data[i].to_ascii_uppercase();
                }
            }
        }
    }
    data
}
