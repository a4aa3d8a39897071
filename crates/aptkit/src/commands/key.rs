//! `aptkit key generate|export`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use anyhow::Context;
use aptkit_sign::SigningKey;

use super::Outcome;
use crate::settings::KeySettings;

pub fn run(settings: KeySettings) -> anyhow::Result<Outcome> {
    match settings {
        KeySettings::Generate { output, uid, algorithm } => {
            let key = SigningKey::generate(&uid, algorithm)?;
            // The secret never exists with loose permissions, and never
            // replaces an existing key by accident.
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&output)
                .with_context(|| format!("cannot create `{}` (it must not exist yet)", output.display()))?;
            file.write_all(&key.secret_armored()).with_context(|| format!("cannot write `{}`", output.display()))?;
            println!("{}", key.fingerprint());
            eprintln!("wrote the secret key to {}; keep it private", output.display());
        }
        KeySettings::Export { keys, output, armor } => {
            let keys = keys.load()?;
            let mut bytes = Vec::new();
            for key in &keys {
                bytes.extend(if armor { key.public_armored() } else { key.public_binary() });
            }
            std::fs::write(&output, bytes).with_context(|| format!("cannot write `{}`", output.display()))?;
            for key in &keys {
                println!("{}", key.fingerprint());
            }
        }
    }
    Ok(Outcome::Success)
}
