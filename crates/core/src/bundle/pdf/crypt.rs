//! The PDF's encryption: AES-256 with the standard security handler,
//! revision 6 (ISO 32000-2): the file key sealed under the user and owner
//! passwords (the `/Encrypt` dictionary), and AES-256-CBC for strings and
//! streams.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use rand::RngCore;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::io::{Result, Write};

/// Random bytes from the operating system.
pub(super) fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn cbc_encrypt_no_pad<C: BlockEncrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let mut prev = [0u8; 16];
    prev.copy_from_slice(iv);
    for chunk in data.chunks_exact_mut(16) {
        for (b, p) in chunk.iter_mut().zip(prev.iter()) {
            *b ^= p;
        }
        cipher.encrypt_block(GenericArray::from_mut_slice(chunk));
        prev.copy_from_slice(chunk);
    }
}

/// ISO 32000-2 Algorithm 2.B: the hash of a password for revision 6.
fn hash_r6(password: &[u8], salt: &[u8], udata: &[u8]) -> [u8; 32] {
    let mut k: Vec<u8> = Sha256::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(udata)
        .finalize()
        .to_vec();
    let mut round = 0u32;
    loop {
        round += 1;
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let aes = Aes128::new(GenericArray::from_slice(&k[..16]));
        cbc_encrypt_no_pad(&aes, &k[16..32], &mut k1);
        let e = k1;
        let sum: u32 = e[..16].iter().map(|b| u32::from(*b)).sum();
        k = match sum % 3 {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        if round >= 64 && u32::from(*e.last().unwrap_or(&0)) <= round - 32 {
            break;
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&k[..32]);
    out
}

/// The file key and the `/Encrypt` dictionary of a document.
pub(crate) struct Crypt {
    pub(super) key: [u8; 32],
    pub(super) dict: String,
}

/// All permissions (print, copy, …): the member's own data.
const PERMISSIONS: i32 = -4;

pub(super) fn hex(b: &[u8]) -> String {
    hex::encode_upper(b)
}

impl Crypt {
    /// Opened by `user` (the passphrase as the member types it) or by
    /// `owner`; passwords are ASCII here, so SASLprep leaves them as they
    /// are. Each is at most 127 bytes.
    pub fn new(user: &str, owner: &str) -> Crypt {
        let key: [u8; 32] = random();
        let (u_pw, o_pw) = (
            &user.as_bytes()[..user.len().min(127)],
            &owner.as_bytes()[..owner.len().min(127)],
        );
        let zero = [0u8; 16];
        // U and UE.
        let (uvs, uks): ([u8; 8], [u8; 8]) = (random(), random());
        let mut u = hash_r6(u_pw, &uvs, &[]).to_vec();
        u.extend_from_slice(&uvs);
        u.extend_from_slice(&uks);
        let mut ue = key;
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&hash_r6(u_pw, &uks, &[]))),
            &zero,
            &mut ue,
        );
        // O and OE (hashed with U).
        let (ovs, oks): ([u8; 8], [u8; 8]) = (random(), random());
        let mut o = hash_r6(o_pw, &ovs, &u).to_vec();
        o.extend_from_slice(&ovs);
        o.extend_from_slice(&oks);
        let mut oe = key;
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&hash_r6(o_pw, &oks, &u))),
            &zero,
            &mut oe,
        );
        // Perms.
        let mut perms = [0u8; 16];
        perms[..4].copy_from_slice(&PERMISSIONS.to_le_bytes());
        perms[4..8].copy_from_slice(&[0xFF; 4]);
        perms[8..12].copy_from_slice(b"Tadb");
        perms[12..].copy_from_slice(&random::<4>());
        Aes256::new(GenericArray::from_slice(&key))
            .encrypt_block(GenericArray::from_mut_slice(&mut perms));
        let dict = format!(
            "<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /Type /CryptFilter /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF /O <{}> /U <{}> /OE <{}> /UE <{}> /Perms <{}> /P {PERMISSIONS} /EncryptMetadata true >>",
            hex(&o),
            hex(&u),
            hex(&oe),
            hex(&ue),
            hex(&perms)
        );
        Crypt { key, dict }
    }

    /// A random IV, then AES-256-CBC with PKCS#7 padding.
    pub(super) fn encrypt(&self, data: &[u8]) -> Vec<u8> {
        let mut w = AesCbcWriter::new(&self.key, Vec::with_capacity(data.len() + 32));
        let _ = w.write_all(data);
        w.finish().unwrap_or_default()
    }
}

/// AES-256-CBC as a stream: the IV first, then whole blocks as they fill,
/// PKCS#7 padding at [`AesCbcWriter::finish`].
pub(super) struct AesCbcWriter<W: Write> {
    cipher: Aes256,
    prev: [u8; 16],
    buf: Vec<u8>,
    inner: W,
    started: bool,
}

impl<W: Write> AesCbcWriter<W> {
    pub(super) fn new(key: &[u8; 32], inner: W) -> AesCbcWriter<W> {
        AesCbcWriter {
            cipher: Aes256::new(GenericArray::from_slice(key)),
            prev: random(),
            buf: Vec::with_capacity(64 * 1024),
            inner,
            started: false,
        }
    }

    fn flush_blocks(&mut self, all: bool) -> Result<()> {
        if !self.started {
            self.inner.write_all(&self.prev)?;
            self.started = true;
        }
        let n = if all {
            self.buf.len()
        } else {
            self.buf.len() / 16 * 16
        };
        for chunk in self.buf[..n].chunks_exact_mut(16) {
            for (b, p) in chunk.iter_mut().zip(self.prev.iter()) {
                *b ^= p;
            }
            self.cipher
                .encrypt_block(GenericArray::from_mut_slice(chunk));
            self.prev.copy_from_slice(chunk);
        }
        self.inner.write_all(&self.buf[..n])?;
        self.buf.drain(..n);
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<W> {
        let pad = 16 - self.buf.len() % 16;
        self.buf.extend(std::iter::repeat_n(pad as u8, pad));
        self.flush_blocks(true)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for AesCbcWriter<W> {
    fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.flush_blocks(false)?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbc_stream_matches_one_shot() {
        let key = [7u8; 32];
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut w = AesCbcWriter::new(&key, Vec::new());
        for c in data.chunks(777) {
            w.write_all(c).unwrap();
        }
        let out = w.finish().unwrap();
        let iv = out[..16].to_vec();
        let mut padded = data.clone();
        let pad = 16 - padded.len() % 16;
        padded.extend(std::iter::repeat_n(pad as u8, pad));
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&key)),
            &iv,
            &mut padded,
        );
        assert_eq!(&out[16..], &padded[..]);
    }
}
