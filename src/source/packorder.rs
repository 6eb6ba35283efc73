//! Object ids in pack order. Reading a pack by object id jumps all over the file and defeats
//! libgit2's delta-base cache (`git cat-file --batch-all-objects` is ten times slower sorted by id
//! than `--unordered` on a large pack); reading by pack offset keeps each delta next to its base.
//! The offsets come from the pack `.idx` files (version 2), parsed here because libgit2 does not
//! expose them.

use std::path::Path;

use git2::Oid;

/// `(oid, offset)` for every object of one `.idx` (version 2, SHA-1), or `None` if it is not one.
pub fn parse_idx(data: &[u8]) -> Option<Vec<(Oid, u64)>> {
    const HASH: usize = 20;
    if data.len() < 8 + 256 * 4 || &data[..4] != b"\xfftOc" || u32::from_be_bytes(data[4..8].try_into().ok()?) != 2 {
        return None;
    }
    let be32 = |at: usize| -> Option<u32> { Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?)) };
    let n = be32(8 + 255 * 4)? as usize;
    let names: usize = 8 + 256 * 4;
    let crcs = names.checked_add(n.checked_mul(HASH)?)?;
    let offs = crcs.checked_add(n.checked_mul(4)?)?;
    let large = offs.checked_add(n.checked_mul(4)?)?;
    if data.len() < large {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let oid = Oid::from_bytes(&data[names + i * HASH..names + (i + 1) * HASH]).ok()?;
        let o = be32(offs + i * 4)?;
        let off = if o & 0x8000_0000 == 0 {
            u64::from(o)
        } else {
            let at = large + ((o & 0x7fff_ffff) as usize) * 8;
            u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?)
        };
        out.push((oid, off));
    }
    Some(out)
}

/// Every object id of the packs in `objects_dir/pack`, pack by pack (largest pack first), each in
/// offset order. Packs whose index cannot be parsed are left out (the caller adds what is missing).
pub fn packed_in_offset_order(objects_dir: &Path) -> Vec<Oid> {
    let Ok(rd) = std::fs::read_dir(objects_dir.join("pack")) else { return Vec::new() };
    let mut packs: Vec<Vec<(Oid, u64)>> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .filter_map(|p| std::fs::read(&p).ok())
        .filter_map(|d| parse_idx(&d))
        .collect();
    packs.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut out = Vec::with_capacity(packs.iter().map(Vec::len).sum());
    for mut p in packs {
        p.sort_unstable_by_key(|&(_, off)| off);
        out.extend(p.into_iter().map(|(o, _)| o));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_index() {
        assert!(parse_idx(b"").is_none());
        assert!(parse_idx(&[0u8; 2000]).is_none());
        let mut v = b"\xfftOc\0\0\0\x02".to_vec();
        v.extend(vec![0u8; 255 * 4]);
        v.extend(5u32.to_be_bytes()); // claims 5 objects, has none
        assert!(parse_idx(&v).is_none());
    }
}
