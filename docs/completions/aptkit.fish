# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_aptkit_global_optspecs
    string join \n state= public= config= h/help V/version
end

function __fish_aptkit_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_aptkit_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_aptkit_using_subcommand
    set -l cmd (__fish_aptkit_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c aptkit -n "__fish_aptkit_needs_command" -l state -d 'Private state store: repos, snapshots, publication records [default: ./.aptkit]' -r
complete -c aptkit -n "__fish_aptkit_needs_command" -l public -d 'Public store served to apt clients: pool/ and dists/ [default: ./public]' -r
complete -c aptkit -n "__fish_aptkit_needs_command" -l config -d 'Configuration file [default: ./aptkit.toml if present]' -r -F
complete -c aptkit -n "__fish_aptkit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_needs_command" -s V -l version -d 'Print version'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "source" -d 'Make a reproducible, signed source tarball of a git commit: a nightly from a branch, a release from its tag'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "build" -d 'Compile a source for target distributions (in a container) and package it natively'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "package" -d 'Build .deb files from a source tree\'s debian/ directory, natively'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "deb" -d 'Inspect .deb files with aptkit\'s own reader'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "distros" -d 'The target distributions of a project (./distros): list them, check them'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "repo" -d 'Mutable named sets of packages (aptly\'s `repo`)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "snapshot" -d 'Immutable package sets (aptly\'s `snapshot`)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "publish" -d 'Signed apt distributions made from repos or snapshots'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "release" -d 'From source to published nightlies and releases: build every distro, publish each version, purge the CDN; resumable'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "key" -d 'Signing keys: generate one, export its public keyring for `signed-by`'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "serve" -d 'Serve the publish store over HTTP on loopback, to try it with apt'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "verify" -d 'Verify a published repository end to end: signatures, freshness, every hash (exit 1 on findings)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "mirror" -d 'Download a verified copy of a published repository; reruns fetch only what changed'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "check" -d 'Check that every Depends/Pre-Depends of a publication can be satisfied (exit 1 if not)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "gc" -d 'Delete package files and sets nothing references any more, and what killed writes left behind'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "index-html" -d 'Write browsable index.html pages into the publish store (S3 lists no directories)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "man" -d 'Print the manual page of aptkit, or of one of its commands, to stdout (roff)'
complete -c aptkit -n "__fish_aptkit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l git -d 'The repository: the top of a working tree, or a git directory (bare or .git)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l ref -d 'The commit to use (branch, tag, commit id) [default: nightly, the branch checked out; release, the tag]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l tag-format -d 'The tag of a release, `{version}` replaced by the version' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l name -d 'Source package name [default: `Source:` of debian/control in the commit, else the directory\'s name]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l out -d 'Directory to write the tarball, its .asc and SHA256SUMS into (created if missing)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l orig -d 'Name the tarball NAME_VERSION.orig.tar.gz, as dpkg-source wants it'
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -l json -d 'Print a JSON report (file, signature, sums, sha256, name, version, kind, commit, ref)'
complete -c aptkit -n "__fish_aptkit_using_subcommand source" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l source -d 'The source: a tarball (NAME-VERSION.tar.gz, .tar.xz, .tar.zst, .tar.bz2) or a source tree [default: .]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l distros -d 'The distros directory [default: `[build] distros` in aptkit.toml, else ./distros]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l engine -d 'Where the compile commands run: docker, podman, or none (the host) [default: `[build] engine` in aptkit.toml, else docker where a Docker engine answers, else none]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l out -d 'Directory that gets one subdirectory of products per distro [default: `[build] out`, else ./out]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -s j -l jobs -d 'Builds run at once' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l version -d 'The upstream version [default: from the tarball\'s name, else debian/changelog]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l log-dir -d 'Directory for each build\'s log, <distro id>.log, failed builds\' included [default: `[build] log-dir`, else a new directory under $TMPDIR]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l compression -d 'Compression of data.tar: xz, zstd, gzip or none' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l all -d 'Build every distro of the distros directory'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l rebuild -d 'Build even when the build cache holds the products of the same inputs, and replace them there'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l no-cache -d 'Neither read nor write the build cache (in the state store, --state)'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -s q -l quiet -d 'Do not stream the builds\' output (the logs still get it)'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l json -d 'Print a JSON report on stdout (the builds\' output still streams to stderr)'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -l dry-run -d 'Say what each build would do (build, or restore from the cache, and why) and run nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -s o -l out -d 'Directory to write the .deb files into (created if missing)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l arch -d 'Architecture for `Architecture: any` packages [default: the host\'s dpkg architecture]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l version -d 'Package version, overriding debian/changelog (e.g. for nightly builds)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -s Z -l compression -d 'Compression of the control and data members: xz, zstd, gzip or none, with an optional level (xz:9)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l threads -d 'Compression threads [default: all cores]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -s p -l package -d 'Build only this package (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l source-date-epoch -d 'Timestamp clamp for file times [default: SOURCE_DATE_EPOCH, else the changelog\'s date]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l strip-program -d 'The binutils strip program [default: strip, or <triplet>-strip for a foreign --arch]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l target-root -d 'Root of the system the packages are built for, whose dpkg database and libraries give ${shlibs:Depends} (its library files may be empty stubs)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l no-strip -d 'Keep ELF binaries and libraries unstripped (default: strip them as dh_strip does)'
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l no-shlibs -d 'Do not compute ${shlibs:Depends}: leave it to the compile commands (debian/<pkg>.substvars)'
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -l json -d 'Print a JSON document describing the built packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand package" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and not __fish_seen_subcommand_from info contents help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and not __fish_seen_subcommand_from info contents help" -f -a "info" -d 'Show a .deb\'s control members and control file (the layout of `dpkg-deb --info`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and not __fish_seen_subcommand_from info contents help" -f -a "contents" -d 'List a .deb\'s files (the layout of `dpkg-deb --contents`, times in UTC)'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and not __fish_seen_subcommand_from info contents help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from info" -l json -d 'Print JSON instead of text'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from contents" -l json -d 'Print JSON instead of text'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from contents" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from help" -f -a "info" -d 'Show a .deb\'s control members and control file (the layout of `dpkg-deb --info`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from help" -f -a "contents" -d 'List a .deb\'s files (the layout of `dpkg-deb --contents`, times in UTC)'
complete -c aptkit -n "__fish_aptkit_using_subcommand deb; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and not __fish_seen_subcommand_from list check help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and not __fish_seen_subcommand_from list check help" -f -a "list" -d 'List the target distributions: id, suite, revision, image, templates, build script'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and not __fish_seen_subcommand_from list check help" -f -a "check" -d 'Check every folder; exit 1 listing every problem, one per line'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and not __fish_seen_subcommand_from list check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from list" -l distros -d 'The distros directory [default: `[build] distros` in aptkit.toml, else ./distros]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from list" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from check" -l distros -d 'The distros directory [default: `[build] distros` in aptkit.toml, else ./distros]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the target distributions: id, suite, revision, image, templates, build script'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check every folder; exit 1 listing every problem, one per line'
complete -c aptkit -n "__fish_aptkit_using_subcommand distros; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "create" -d 'Create an empty repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "add" -d 'Add .deb files, or every .deb under directories'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "remove" -d 'Remove packages by name, name_version, name_version_arch or query (`bench-*`, `hello (<< 2.0)`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "list" -d 'List repos'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "show" -d 'Show a repo\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "search" -d 'Find packages: a name pattern with an optional version constraint'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "drop" -d 'Delete a repo (its packages stay until `gc` if snapshots use them)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and not __fish_seen_subcommand_from create add remove list show search drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from create" -l comment -r
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from create" -l keep-versions -d 'Keep only the newest N versions of each package (for nightlies)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from create" -l dry-run -d 'Show what would be written (objects to put, replace or delete) and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from add" -l remove-files -d 'Remove the .deb files once they are added (as aptly\'s -remove-files): a file with no other name on the state store\'s filesystem is then taken in by a hard link instead of a copy. A failed add removes none'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from add" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from add" -l dry-run -d 'Show what would be written (objects to put, replace or delete) and write nothing (nor remove any file)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from remove" -l dry-run -d 'Show what would be written (objects to put, replace or delete) and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from list" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from show" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from search" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from search" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from drop" -l dry-run -d 'Show what would be written (objects to put, replace or delete) and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an empty repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add .deb files, or every .deb under directories'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove packages by name, name_version, name_version_arch or query (`bench-*`, `hello (<< 2.0)`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "list" -d 'List repos'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a repo\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "search" -d 'Find packages: a name pattern with an optional version constraint'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Delete a repo (its packages stay until `gc` if snapshots use them)'
complete -c aptkit -n "__fish_aptkit_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "create" -d 'Freeze a repo\'s current packages: `snapshot create NAME from repo REPO`'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "list" -d 'List snapshots'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "show" -d 'Show a snapshot\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "diff" -d 'Compare two snapshots by package name and architecture'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "merge" -d 'Merge snapshots into a new one; later sources replace earlier packages of the same name'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "filter" -d 'A new snapshot with the packages matching any query (`name-pattern [(op version)]`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "drop" -d 'Delete a snapshot that no publication uses'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and not __fish_seen_subcommand_from create list show diff merge filter drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l dry-run -d 'Show what would be written and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from show" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from diff" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from merge" -l latest -d 'Replace only with newer versions'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from merge" -l no-remove -d 'Keep every version of every package'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from merge" -l dry-run -d 'Show what would be written and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from filter" -l dry-run -d 'Show what would be written and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from filter" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from drop" -l dry-run -d 'Show what would be written and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "create" -d 'Freeze a repo\'s current packages: `snapshot create NAME from repo REPO`'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "list" -d 'List snapshots'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a snapshot\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Compare two snapshots by package name and architecture'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge snapshots into a new one; later sources replace earlier packages of the same name'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "filter" -d 'A new snapshot with the packages matching any query (`name-pattern [(op version)]`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Delete a snapshot that no publication uses'
complete -c aptkit -n "__fish_aptkit_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "repo" -d 'Publish a repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "snapshot" -d 'Publish a snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "switch" -d 'Point a snapshot publication at another snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "update" -d 'Republish a repo publication with the repo\'s current packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "list" -d 'List publications, and the claims jobs hold (publishing, dropping, gc, a release)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "purge" -d 'Invalidate on CloudFront what the last publish of a suite changed (retry a failed purge)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "drop" -d 'Remove a publication\'s dists/ tree (pool files stay for `gc`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "unlock" -d 'Break a claim on a suite left by a job that died (names its holder)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and not __fish_seen_subcommand_from repo snapshot switch update list purge drop unlock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -s d -l distribution -d 'Distribution (suite) to publish as, e.g. `bookworm`' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -s c -l component -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l architectures -d 'Architectures to index, comma-separated [default: those of the packages]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l origin -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l label -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l valid-for -d 'Days the Release stays valid (sets Valid-Until; republish before then)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l base-index -d 'A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one JSON object per event per line, for machines) or none (notes only)' -r -f -a "auto\t'A bar on a terminal; plain lines otherwise; only notes with --json'
bar\t'A bar (on a terminal)'
plain\t'One line per step, for logs'
json\t'One JSON object per event per line on stderr'
none\t'Notes only'"
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l keep-generations -d 'Generations of by-hash index copies and pool files the suite keeps for clients holding an older InRelease, the current one included (1-20; gc deletes older ones once they are past --by-hash-ttl); kept by later publishes [default: `[publish] keep_generations`, else what the suite keeps, else 3]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l contents -d 'Also publish Contents-<arch>.gz (which package ships which file, for apt-file)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l skip-dependency-check -d 'Publish even if some Depends/Pre-Depends cannot be satisfied'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -l dry-run -d 'Print the writes the publish would make (objects to create, replace, the state\'s compare-and-swaps) after every check it makes, and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from repo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -s d -l distribution -d 'Distribution (suite) to publish as, e.g. `bookworm`' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -s c -l component -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l architectures -d 'Architectures to index, comma-separated [default: those of the packages]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l origin -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l label -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l valid-for -d 'Days the Release stays valid (sets Valid-Until; republish before then)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l base-index -d 'A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one JSON object per event per line, for machines) or none (notes only)' -r -f -a "auto\t'A bar on a terminal; plain lines otherwise; only notes with --json'
bar\t'A bar (on a terminal)'
plain\t'One line per step, for logs'
json\t'One JSON object per event per line on stderr'
none\t'Notes only'"
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l keep-generations -d 'Generations of by-hash index copies and pool files the suite keeps for clients holding an older InRelease, the current one included (1-20; gc deletes older ones once they are past --by-hash-ttl); kept by later publishes [default: `[publish] keep_generations`, else what the suite keeps, else 3]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l contents -d 'Also publish Contents-<arch>.gz (which package ships which file, for apt-file)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l skip-dependency-check -d 'Publish even if some Depends/Pre-Depends cannot be satisfied'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -l dry-run -d 'Print the writes the publish would make (objects to create, replace, the state\'s compare-and-swaps) after every check it makes, and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l base-index -d 'A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one JSON object per event per line, for machines) or none (notes only)' -r -f -a "auto\t'A bar on a terminal; plain lines otherwise; only notes with --json'
bar\t'A bar (on a terminal)'
plain\t'One line per step, for logs'
json\t'One JSON object per event per line on stderr'
none\t'Notes only'"
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l keep-generations -d 'Generations of by-hash index copies and pool files the suite keeps for clients holding an older InRelease, the current one included (1-20; gc deletes older ones once they are past --by-hash-ttl); kept by later publishes [default: `[publish] keep_generations`, else what the suite keeps, else 3]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l skip-dependency-check -d 'Publish even if some Depends/Pre-Depends cannot be satisfied'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -l dry-run -d 'Print the writes the publish would make (objects to create, replace, the state\'s compare-and-swaps) after every check it makes, and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from switch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l base-index -d 'A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one JSON object per event per line, for machines) or none (notes only)' -r -f -a "auto\t'A bar on a terminal; plain lines otherwise; only notes with --json'
bar\t'A bar (on a terminal)'
plain\t'One line per step, for logs'
json\t'One JSON object per event per line on stderr'
none\t'Notes only'"
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l keep-generations -d 'Generations of by-hash index copies and pool files the suite keeps for clients holding an older InRelease, the current one included (1-20; gc deletes older ones once they are past --by-hash-ttl); kept by later publishes [default: `[publish] keep_generations`, else what the suite keeps, else 3]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l skip-dependency-check -d 'Publish even if some Depends/Pre-Depends cannot be satisfied'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -l dry-run -d 'Print the writes the publish would make (objects to create, replace, the state\'s compare-and-swaps) after every check it makes, and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from list" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -l dry-run -d 'Print the paths and the CallerReference; send nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from purge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l dry-run -d 'Print the objects it would delete and the state writes; change nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -l json -d 'With --dry-run: the plan as JSON'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from unlock" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from unlock" -l force -d 'Break the claim even though its lease is live'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from unlock" -l json -d 'Report the broken claim (or null) as JSON'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from unlock" -l dry-run -d 'Name the claim it would break, and break none'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "repo" -d 'Publish a repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "snapshot" -d 'Publish a snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "switch" -d 'Point a snapshot publication at another snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "update" -d 'Republish a repo publication with the repo\'s current packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "list" -d 'List publications, and the claims jobs hold (publishing, dropping, gc, a release)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "purge" -d 'Invalidate on CloudFront what the last publish of a suite changed (retry a failed purge)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Remove a publication\'s dists/ tree (pool files stay for `gc`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "unlock" -d 'Break a claim on a suite left by a job that died (names its holder)'
complete -c aptkit -n "__fish_aptkit_using_subcommand publish; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l git -d 'The git repository sources are made from [default: `[release] git`, else .]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l tarballs -d 'Take each version\'s source tarball (NAME-VERSION.tar.gz, .xz, .zst, .bz2, as `aptkit source --out DIR` makes it) from DIR instead of making it from git [default: `[release] tarballs`]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l nightly-ref -d 'The commit nightlies are made from [default: `[release] nightly-ref`, else the branch checked out]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l tag-format -d 'A release\'s tag, `{version}` replaced [default: `[release] tag-format`, else v{version}]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l distros -d 'The distros directory [default: `[build] distros` in aptkit.toml, else the git tree\'s distros/]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l distro -d 'Only these distros (folder names), comma-separated or repeated [default: every folder]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l engine -d 'Where the compile commands run: docker, podman, or none (the host) [default: `[build] engine`, else docker where it answers, else none]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -s j -l jobs -d 'Builds at once [default: `[build] jobs`, else 1]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l keep-nightlies -d 'Nightlies a nightly suite keeps [default: `[release] keep-nightlies`, else 7]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l promote-from -d 'Publish the packages of each version already in its nightly suites to the release suites, rebuilding nothing' -r -f -a "nightly\t''"
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l out -d 'Products go to DIR/<version>/<distro>/ [default: `[build] out`, else ./out]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l log-dir -d 'Build logs go to DIR/<version>/<distro>.log [default: `[build] log-dir`, else a new directory under $TMPDIR]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l prefix -d 'Path prefix of the publications in the publish store' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -s c -l component -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l origin -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l label -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l base-index -d 'A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l cloudfront-distribution -d 'CloudFront distribution to invalidate the changed InRelease, Release and index paths on, once the publish is committed [default: [cloudfront] distribution in aptkit.toml]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l resume -d 'Continue the unfinished release of these versions from its first unfinished step'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l build-only -d 'Make the sources and build into the build cache; publish nothing (one job of a CI matrix)'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l no-build -d 'Publish what the build cache holds; a build it lacks is an error, never compiled (after a CI matrix)'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l all-or-nothing -d 'Publish nothing unless every build succeeded'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l status-page-public -d 'Also write the status page (and build logs) into the publish store, as releases/<versions>/index.html'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l skip-dependency-check -d 'Publish even if some Depends/Pre-Depends cannot be satisfied'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l purge-wait -d 'Wait until the CloudFront invalidation has completed (up to 20 minutes)'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -s q -l quiet -d 'Do not stream the builds\' output (the logs still get it)'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l dry-run -d 'Say what would run, and what an earlier run finished; run and write nothing'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -l json -d 'Print the summary as JSON on stdout'
complete -c aptkit -n "__fish_aptkit_using_subcommand release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "generate" -d 'Generate a signing key (secret key file; keep it private)'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "export" -d 'Export the public keyring of a secret key, for apt\'s `signed-by`'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from generate" -s o -l output -d 'Where to write the armored secret key' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from generate" -l uid -r
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from generate" -l algorithm -d 'ed25519, rsa3072 or rsa4096' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from export" -l key -d 'Secret key file to sign with (repeatable: several keys sign, for rotation)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from export" -l key-env -d 'Environment variable holding an armored secret key (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from export" -s o -l output -d 'Where to write the keyring (binary unless --armor)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from export" -l armor
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate a signing key (secret key file; keep it private)'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export the public keyring of a secret key, for apt\'s `signed-by`'
complete -c aptkit -n "__fish_aptkit_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand serve" -l root -d 'Directory to serve [default: the publish store]' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand serve" -l port -r
complete -c aptkit -n "__fish_aptkit_using_subcommand serve" -l bind -d 'Address to bind (loopback by default: this is for trying things out)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand serve" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l keyring -d 'Keyring of the keys that may sign (binary or armored)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l suite -d 'Suites to check [default: every suite under dists/; required over HTTP]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l max-age -d 'Refuse a Release older than this many seconds' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l require-signer -d 'Fingerprint that must have signed (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l component -d 'Only these components\' indices (partial mirrors; repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l arch -d 'Only these architectures\' indices (partial mirrors; repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l state -d 'File remembering the last accepted Date per suite (refuses rollbacks)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l deep -d 'Also check every pool file\'s size and SHA-256'
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand verify" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l keyring -d 'Keyring of the keys that may sign (binary or armored)' -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l suite -d 'Suites to check [default: every suite under dists/; required over HTTP]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l max-age -d 'Refuse a Release older than this many seconds' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l require-signer -d 'Fingerprint that must have signed (repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l component -d 'Only these components\' indices (partial mirrors; repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l arch -d 'Only these architectures\' indices (partial mirrors; repeatable)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l jobs -d 'Parallel downloads [default: number of CPUs, at least 4]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l delete -d 'Afterwards, delete pool files that no suite in DEST references any more'
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -l dry-run -d 'Verify the source and list what the mirror would download, write and delete; change nothing in DEST'
complete -c aptkit -n "__fish_aptkit_using_subcommand mirror" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand check" -l prefix -d 'Path prefix in the publish store (e.g. `debian`) [default: its root]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand check" -l base-index -r -F
complete -c aptkit -n "__fish_aptkit_using_subcommand check" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand check" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -l min-age -d 'Spare objects younger than this many seconds (a concurrent writer may be using them)' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -l by-hash-ttl -d 'Keep by-hash index copies that no kept generation lists until the last generation that listed them has been superseded for this many seconds (a CDN or proxy may serve an InRelease listing them that long); the last three generations stay always' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -l wait -d 'How long to wait for a suite another job holds (or gc), and to retry one that changed under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -l dry-run -d 'Only list what would be deleted'
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -l json
complete -c aptkit -n "__fish_aptkit_using_subcommand gc" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand index-html" -l prefix -d 'Only index this part of the publish store (e.g. `debian`) [default: all of it]' -r
complete -c aptkit -n "__fish_aptkit_using_subcommand index-html" -l dry-run -d 'Only list the pages that would be written or deleted'
complete -c aptkit -n "__fish_aptkit_using_subcommand index-html" -l json -d 'Print the report as JSON (written, unchanged, removed, foreign pages; directories)'
complete -c aptkit -n "__fish_aptkit_using_subcommand index-html" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c aptkit -n "__fish_aptkit_using_subcommand completions" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand man" -s h -l help -d 'Print help'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "source" -d 'Make a reproducible, signed source tarball of a git commit: a nightly from a branch, a release from its tag'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "build" -d 'Compile a source for target distributions (in a container) and package it natively'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "package" -d 'Build .deb files from a source tree\'s debian/ directory, natively'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "deb" -d 'Inspect .deb files with aptkit\'s own reader'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "distros" -d 'The target distributions of a project (./distros): list them, check them'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "repo" -d 'Mutable named sets of packages (aptly\'s `repo`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "snapshot" -d 'Immutable package sets (aptly\'s `snapshot`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "publish" -d 'Signed apt distributions made from repos or snapshots'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "release" -d 'From source to published nightlies and releases: build every distro, publish each version, purge the CDN; resumable'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "key" -d 'Signing keys: generate one, export its public keyring for `signed-by`'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "serve" -d 'Serve the publish store over HTTP on loopback, to try it with apt'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "verify" -d 'Verify a published repository end to end: signatures, freshness, every hash (exit 1 on findings)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "mirror" -d 'Download a verified copy of a published repository; reruns fetch only what changed'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "check" -d 'Check that every Depends/Pre-Depends of a publication can be satisfied (exit 1 if not)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "gc" -d 'Delete package files and sets nothing references any more, and what killed writes left behind'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "index-html" -d 'Write browsable index.html pages into the publish store (S3 lists no directories)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "man" -d 'Print the manual page of aptkit, or of one of its commands, to stdout (roff)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and not __fish_seen_subcommand_from source build package deb distros repo snapshot publish release key serve verify mirror check gc index-html completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from deb" -f -a "info" -d 'Show a .deb\'s control members and control file (the layout of `dpkg-deb --info`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from deb" -f -a "contents" -d 'List a .deb\'s files (the layout of `dpkg-deb --contents`, times in UTC)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from distros" -f -a "list" -d 'List the target distributions: id, suite, revision, image, templates, build script'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from distros" -f -a "check" -d 'Check every folder; exit 1 listing every problem, one per line'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "create" -d 'Create an empty repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "add" -d 'Add .deb files, or every .deb under directories'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "remove" -d 'Remove packages by name, name_version, name_version_arch or query (`bench-*`, `hello (<< 2.0)`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "list" -d 'List repos'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "show" -d 'Show a repo\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "search" -d 'Find packages: a name pattern with an optional version constraint'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "drop" -d 'Delete a repo (its packages stay until `gc` if snapshots use them)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "create" -d 'Freeze a repo\'s current packages: `snapshot create NAME from repo REPO`'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "list" -d 'List snapshots'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "show" -d 'Show a snapshot\'s packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "diff" -d 'Compare two snapshots by package name and architecture'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "merge" -d 'Merge snapshots into a new one; later sources replace earlier packages of the same name'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "filter" -d 'A new snapshot with the packages matching any query (`name-pattern [(op version)]`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "drop" -d 'Delete a snapshot that no publication uses'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "repo" -d 'Publish a repo'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "snapshot" -d 'Publish a snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "switch" -d 'Point a snapshot publication at another snapshot'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "update" -d 'Republish a repo publication with the repo\'s current packages'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "list" -d 'List publications, and the claims jobs hold (publishing, dropping, gc, a release)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "purge" -d 'Invalidate on CloudFront what the last publish of a suite changed (retry a failed purge)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "drop" -d 'Remove a publication\'s dists/ tree (pool files stay for `gc`)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from publish" -f -a "unlock" -d 'Break a claim on a suite left by a job that died (names its holder)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Generate a signing key (secret key file; keep it private)'
complete -c aptkit -n "__fish_aptkit_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Export the public keyring of a secret key, for apt\'s `signed-by`'
