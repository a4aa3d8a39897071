//! Each codec against the output of the real command-line tool (installed
//! by scripts/install-test-tools.sh): whole, concatenated, cut short,
//! damaged, and past the output limit.

use std::io::Read;
use std::process::Command;

use super::*;

const TOOLS: [(Codec, &str); 5] =
    [(Codec::Gzip, "gzip"), (Codec::Xz, "xz"), (Codec::Zstd, "zstd"), (Codec::Bzip2, "bzip2"), (Codec::Lz4, "lz4")];

/// `program -c` over `input`, as the tool itself writes it.
fn compressed_by(program: &str, input: &[u8]) -> Vec<u8> {
    compressed_with(program, &[], input)
}

fn compressed_with(program: &str, options: &[&str], input: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, input).unwrap();
    let out = Command::new(program)
        .arg("-c")
        .args(options)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/install-test-tools.sh): {e}"));
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn decompress(codec: Codec, input: &[u8], max_output: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    decoder(codec, input, max_output)?.read_to_end(&mut out)?;
    Ok(out)
}

/// Text shaped like a Packages file, a few hundred kilobytes of it.
fn packages_text(stanzas: usize) -> Vec<u8> {
    (0..stanzas)
        .flat_map(|i| {
            format!("Package: p{i}\nVersion: 1.{i}-1\nArchitecture: amd64\nSize: {}\n\n", i * 37).into_bytes()
        })
        .collect()
}

#[test]
fn reads_what_each_tool_writes() {
    let text = packages_text(5000);
    for (codec, program) in TOOLS {
        let packed = compressed_by(program, &text);
        assert_eq!(Codec::from_magic(&packed), codec, "{program}'s magic");
        assert!(decompress(codec, &packed, u64::MAX).unwrap() == text, "{program}");
    }
    assert!(decompress(Codec::Plain, &text, u64::MAX).unwrap() == text);
}

#[test]
fn reads_concatenated_members_streams_and_frames_as_one() {
    let (first, second) = (packages_text(300), b"Package: last\n".to_vec());
    for (codec, program) in TOOLS {
        let joined = [compressed_by(program, &first), compressed_by(program, &second)].concat();
        assert!(decompress(codec, &joined, u64::MAX).unwrap() == [&first[..], &second[..]].concat(), "{program}");
    }
}

#[test]
fn output_up_to_the_limit_is_read_and_one_byte_more_is_refused() {
    let text = packages_text(1000);
    let len = text.len() as u64;
    for (codec, program) in TOOLS {
        let packed = compressed_by(program, &text);
        assert!(decompress(codec, &packed, len).unwrap() == text, "{program} at its exact size");
        let err = decompress(codec, &packed, len - 1).unwrap_err();
        assert_eq!(OutputLimitExceeded::in_error(&err), Some(OutputLimitExceeded { max_output: len - 1 }));
        assert_eq!(err.to_string(), format!("expands past {} bytes", len - 1), "{program}");
    }
    assert!(decompress(Codec::Plain, &text, len).unwrap() == text);
    assert!(OutputLimitExceeded::in_error(&decompress(Codec::Plain, &text, 10).unwrap_err()).is_some());
}

#[test]
fn a_bomb_is_stopped_at_the_limit_without_reading_the_rest() {
    // 64 MiB of zeros as 16 concatenated pieces of 4 MiB, each a few KiB.
    let zeros = vec![0u8; 4 << 20];
    for (codec, program) in TOOLS {
        let piece = compressed_by(program, &zeros);
        let bomb = piece.repeat(16);
        let mut rest = &bomb[..];
        let mut decoder = decoder(codec, &mut rest, 1 << 20).unwrap();
        let err = decoder.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(OutputLimitExceeded::in_error(&err).is_some(), "{program}: {err}");
        assert_eq!(decoder.produced(), 1 << 20, "{program}: it yields the limit, no more");
        drop(decoder);
        // Only the first piece or two, and a read buffer, were consumed.
        let consumed = bomb.len() - rest.len();
        assert!(consumed <= 2 * piece.len() + (64 << 10), "{program} read {consumed} of {} bytes", bomb.len());
    }
}

#[test]
fn input_cut_short_or_damaged_is_an_error_not_a_panic() {
    let text = packages_text(2000);
    for (codec, program) in TOOLS {
        let packed = compressed_by(program, &text);
        // lz4: inside the header, between blocks, before the end mark's checksum.
        for cut in [1, 7, packed.len() / 2, packed.len() - 8, packed.len() - 4, packed.len() - 1] {
            assert!(decompress(codec, &packed[..cut], u64::MAX).is_err(), "{program} cut at {cut} of {}", packed.len());
        }
        let mut damaged = packed.clone();
        let middle = damaged.len() / 2;
        for byte in &mut damaged[middle..middle + 8] {
            *byte ^= 0x55;
        }
        assert!(decompress(codec, &damaged, u64::MAX).is_err(), "{program} damaged");
        // Whatever the bytes, never a panic.
        for seed in 0..64u8 {
            let noise: Vec<u8> = packed.iter().enumerate().map(|(i, b)| b ^ (i as u8).wrapping_mul(seed)).collect();
            let _ = decompress(codec, &noise, 1 << 20);
        }
    }
}

#[test]
fn lz4_frames_of_every_layout_are_read_and_a_cut_between_blocks_is_seen() {
    let text = packages_text(8000);
    // 64 KiB blocks, linked or not, with block checksums and the content size in the header.
    for options in [&["-B4"][..], &["-B4", "-BD"], &["-B4", "-BX", "--content-size"], &["--no-frame-crc"]] {
        let packed = compressed_with("lz4", options, &text);
        let twice = [&packed[..], &packed[..]].concat();
        assert!(decompress(Codec::Lz4, &twice, u64::MAX).unwrap() == text.repeat(2), "lz4 {options:?}");
        let checksum = if options.contains(&"--no-frame-crc") { 0 } else { 4 };
        // Just before the end mark: the last block is whole, the frame is not.
        let cut = packed.len() - 4 - checksum;
        assert!(decompress(Codec::Lz4, &packed[..cut], u64::MAX).is_err(), "lz4 {options:?} cut at {cut}");
        assert!(decompress(Codec::Lz4, &twice[..packed.len() + 7], u64::MAX).is_err(), "lz4 {options:?}");
    }
}

#[test]
fn names_and_magic_give_the_codec() {
    assert_eq!(Codec::split_extension("main/binary-amd64/Packages.xz"), ("main/binary-amd64/Packages", Codec::Xz));
    assert_eq!(Codec::split_extension("Packages"), ("Packages", Codec::Plain));
    assert_eq!(Codec::from_file_name("x_Packages.lz4"), Codec::Lz4);
    assert_eq!(Codec::from_file_name("control.tar.zst"), Codec::Zstd);
    assert_eq!(Codec::from_file_name("Packages.bz2"), Codec::Bzip2);
    assert_eq!(Codec::from_file_name("Packages.gz"), Codec::Gzip);
    assert_eq!(Codec::from_file_name("Packages.diff"), Codec::Plain);
    assert_eq!(Codec::from_magic(b"Package: hello\n"), Codec::Plain);
    assert_eq!(Codec::from_magic(b""), Codec::Plain);
    for codec in Codec::COMPRESSED {
        assert_eq!(Codec::from_file_name(&format!("Packages{}", codec.extension())), codec);
    }
}
