//! Opening the files tally reads (data files and pipeline files): regular files only. A
//! leaf, shared by [`crate::plan`] (the pipeline file), [`crate::ingest`] (data) and
//! [`crate::cmd`] (bulk inputs).

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens a file to read as data or as a pipeline, refusing up front anything that is not a
/// regular file (symbolic links are followed). A named pipe (FIFO) would block the open until
/// some writer came along, and could be read only once, while tally reads an input more than
/// once (`check` reads its header, `run` hashes and reads it, and the cache looks at its size
/// and time); a device or socket is no data file either, and a directory cannot be read.
/// The error (kind `InvalidInput`) says what the path is and what was expected.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = kind_of(&meta.file_type());
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file\nhint: tally reads data and pipelines from regular files (it hashes them and may read them twice); save the data to a file and name that"),
        ));
    }
    File::open(path)
}

/// The whole of a regular file ([`open_regular`]'s refusals apply).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_regular(path)?, &mut bytes)?;
    Ok(bytes)
}

/// "a directory", "a named pipe (FIFO)", ... for messages.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
