//! `aptkit key generate|export`.

use std::path::PathBuf;

use clap::Subcommand;

use super::SigningArgs;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a signing key (secret key file; keep it private)
    Generate {
        /// Where to write the armored secret key
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long, default_value = "aptkit repository signing key")]
        uid: String,
        /// ed25519, rsa3072 or rsa4096
        #[arg(long, default_value = "ed25519")]
        algorithm: String,
    },
    /// Export the public keyring of a secret key, for apt's `signed-by`
    Export {
        #[command(flatten)]
        signing: SigningArgs,
        /// Where to write the keyring (binary unless --armor)
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long)]
        armor: bool,
    },
}
