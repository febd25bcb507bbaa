//! A small BER reader and DER writer for the PKCS#12 structures this module
//! builds and inspects: enough ASN.1 to walk a PFX without decrypting it.
//!
//! The reader accepts what real exporters write: definite and indefinite
//! lengths (NSS's pk12util writes indefinite ones) and constructed OCTET
//! STRINGs. It must not interpret what it reads; `pfx.rs` does that. Depth
//! and sizes are bounded so a hostile file cannot exhaust the stack.

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const BMP_STRING: u8 = 0x1e;
/// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
pub const CTX0: u8 = 0xa0;

const MAX_DEPTH: usize = 24;
/// Elements per parse: a real PKCS#12 file has a few thousand at most
/// (certificates sit inside OCTET STRINGs and are not walked); a crafted
/// one of tiny elements must not cost hundreds of MiB.
const MAX_NODES: usize = 100_000;

/// One decoded element: its tag and either its primitive content or its
/// children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    pub tag: u8,
    pub prim: &'a [u8],
    pub children: Vec<Node<'a>>,
    /// The whole encoding (tag, length, content) when the length was
    /// definite; empty for indefinite-length elements.
    pub raw: &'a [u8],
}

/// Why bytes are not BER this reader understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BerError;

impl<'a> Node<'a> {
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// Child `i`, or an error when absent.
    pub fn child(&self, i: usize) -> Result<&Node<'a>, BerError> {
        self.children.get(i).ok_or(BerError)
    }

    /// This element with the expected tag, else an error.
    pub fn expect(&self, tag: u8) -> Result<&Node<'a>, BerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError)
        }
    }

    /// The content of an OCTET STRING (or an IMPLICIT one): primitive bytes,
    /// or the concatenation of a constructed string's segments.
    pub fn octets(&self) -> Vec<u8> {
        if self.constructed() {
            self.children.iter().flat_map(|c| c.octets()).collect()
        } else {
            self.prim.to_vec()
        }
    }

    /// A non-negative INTEGER that fits in a u64.
    pub fn uint(&self) -> Result<u64, BerError> {
        if self.tag != INTEGER || self.prim.is_empty() || self.prim[0] & 0x80 != 0 {
            return Err(BerError);
        }
        let digits: &[u8] = if self.prim.len() > 1 && self.prim[0] == 0 { &self.prim[1..] } else { self.prim };
        if digits.len() > 8 {
            // Larger than any count this module would accept anyway.
            return Ok(u64::MAX);
        }
        Ok(digits.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    }
}

/// Parse exactly one element filling `bytes`.
pub fn parse(bytes: &[u8]) -> Result<Node<'_>, BerError> {
    let (node, rest) = parse_one(bytes, 0, &mut { MAX_NODES })?;
    if !rest.is_empty() {
        return Err(BerError);
    }
    Ok(node)
}

/// Parse one element at the start of `bytes`; returns it and what follows.
pub fn parse_prefix(bytes: &[u8]) -> Result<(Node<'_>, &[u8]), BerError> {
    parse_one(bytes, 0, &mut { MAX_NODES })
}

fn parse_one<'a>(bytes: &'a [u8], depth: usize, budget: &mut usize) -> Result<(Node<'a>, &'a [u8]), BerError> {
    if depth > MAX_DEPTH || bytes.len() < 2 || *budget == 0 {
        return Err(BerError);
    }
    *budget -= 1;
    let tag = bytes[0];
    if tag & 0x1f == 0x1f {
        // High tag numbers appear nowhere in PKCS#12.
        return Err(BerError);
    }
    let constructed = tag & 0x20 != 0;
    let first = bytes[1];
    let (len, hdr) = if first < 0x80 {
        (Some(first as usize), 2)
    } else if first == 0x80 {
        if !constructed {
            return Err(BerError);
        }
        (None, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 || bytes.len() < 2 + n {
            return Err(BerError);
        }
        let len = bytes[2..2 + n].iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (Some(len), 2 + n)
    };
    match len {
        Some(len) => {
            let end = hdr.checked_add(len).ok_or(BerError)?;
            if bytes.len() < end {
                return Err(BerError);
            }
            let content = &bytes[hdr..end];
            let mut children = Vec::new();
            if constructed {
                let mut rest = content;
                while !rest.is_empty() {
                    let (c, r) = parse_one(rest, depth + 1, budget)?;
                    children.push(c);
                    rest = r;
                }
            }
            let prim = if constructed { &[][..] } else { content };
            Ok((Node { tag, prim, children, raw: &bytes[..end] }, &bytes[end..]))
        }
        None => {
            let mut rest = &bytes[hdr..];
            let mut children = Vec::new();
            loop {
                if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                    rest = &rest[2..];
                    break;
                }
                let (c, r) = parse_one(rest, depth + 1, budget)?;
                children.push(c);
                rest = r;
            }
            Ok((Node { tag, prim: &[], children, raw: &[] }, rest))
        }
    }
}

/// The content octets of an OID (what follows tag and length).
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut out = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut tmp = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v > 0 {
            tmp.push(((v & 0x7f) as u8) | 0x80);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    }
    out
}

/// Tag + definite length + content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let be = (n as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend(&be[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A constructed element from already-encoded parts.
pub fn cons(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    cons(SEQUENCE, parts)
}

pub fn octet_string(b: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, b)
}

pub fn oid_tlv(arcs: &[u64]) -> Vec<u8> {
    tlv(OID, &oid(arcs))
}

pub fn null() -> Vec<u8> {
    vec![NULL, 0]
}

pub fn uint(v: u64) -> Vec<u8> {
    let be = v.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count().min(7);
    let mut c = be[skip..].to_vec();
    if c[0] & 0x80 != 0 {
        c.insert(0, 0);
    }
    tlv(INTEGER, &c)
}

/// A SET OF, its elements sorted as DER requires.
pub fn set_of(mut items: Vec<Vec<u8>>) -> Vec<u8> {
    items.sort();
    tlv(SET, &items.concat())
}

/// A string as a BMPString (UTF-16 big-endian), as friendlyName wants.
pub fn bmp_string(s: &str) -> Vec<u8> {
    let units: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    tlv(BMP_STRING, &units)
}

/// Decode a BMPString's content; `None` when it is not valid UTF-16.
pub fn decode_bmp(b: &[u8]) -> Option<String> {
    if b.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = b.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_round_trip() {
        let d = seq(&[&uint(600_000), &octet_string(&[1, 2, 3]), &oid_tlv(&[1, 2, 840, 113549, 1, 7, 1])]);
        let n = parse(&d).unwrap();
        assert_eq!(n.child(0).unwrap().uint().unwrap(), 600_000);
        assert_eq!(n.child(1).unwrap().octets(), vec![1, 2, 3]);
        assert_eq!(n.child(2).unwrap().prim, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 1]);
        assert_eq!(n.raw, &d[..]);
    }

    #[test]
    fn indefinite_and_constructed_strings() {
        // SEQUENCE (indef) { OCTET STRING (cons, indef) { "ab", "c" } }
        let b = [0x30, 0x80, 0x24, 0x80, 0x04, 2, b'a', b'b', 0x04, 1, b'c', 0, 0, 0, 0];
        let n = parse(&b).unwrap();
        assert_eq!(n.child(0).unwrap().octets(), b"abc");
    }

    #[test]
    fn truncated_and_hostile_input_fail_cleanly() {
        let d = seq(&[&uint(5), &octet_string(&[9; 300])]);
        for cut in 0..d.len() {
            assert!(parse(&d[..cut]).is_err());
        }
        // Deep nesting stops at the depth bound.
        let mut deep = vec![];
        for _ in 0..100 {
            deep.extend([0x30, 0x80]);
        }
        assert!(parse(&deep).is_err());
        assert!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        // Too many elements.
        let many = tlv(SEQUENCE, &[0x05, 0x00].repeat(MAX_NODES));
        assert!(parse(&many).is_err());
        assert!(parse(&tlv(SEQUENCE, &[0x05, 0x00].repeat(1000))).is_ok());
    }

    #[test]
    fn integers_and_bmp() {
        assert_eq!(parse(&uint(0)).unwrap().uint().unwrap(), 0);
        assert_eq!(parse(&uint(128)).unwrap().uint().unwrap(), 128);
        assert_eq!(parse(&uint(u64::MAX)).unwrap().uint().unwrap(), u64::MAX);
        let b = bmp_string("Jané");
        assert_eq!(decode_bmp(parse(&b).unwrap().prim).unwrap(), "Jané");
    }
}
