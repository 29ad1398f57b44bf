//! The sandbox's S3 server: crates.io `s3s` (the S3 protocol, SigV4 checked against the
//! keys below) over `s3s-fs` (objects as files under `<state>/s3`), on 127.0.0.1. The
//! registry reaches it through `regionEndpoint` `http://s3.sandbox.example:<port>` (its pod
//! resolves that name to 127.0.0.1) with the credentials of
//! `image-registry-private-configuration-user`.
//!
//! Chosen over PyPI `moto` (measured, see the README): on disk rather than in memory, 5 ms
//! to start and under 10 MB, and it refuses a wrong signature with S3's own errors
//! (`SignatureDoesNotMatch`, `InvalidAccessKeyId`) without an IAM bootstrap.
//!
//! Three things `s3s-fs` 0.14 lacks, which distribution 2.8's S3 driver needs or the guide
//! shows, are added here: `ListMultipartUploads` (the driver lists uploads on every
//! resumed blob upload), `IsTruncated` on `ListParts` (the driver dereferences it), and
//! `NoSuchBucket` (s3s-fs would create a missing bucket on the first write).
//!
//! The accepted keys are read from `<state>/s3/credentials` (`access:secret` per line) on
//! every request, so a test can revoke a key at the S3 side while the registry runs.

use crate::{Error, Result};
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use s3s_fs::FileSystem;
use std::path::{Path, PathBuf};

/// The host name the registry's pods and the router's clients use for the S3 server.
pub const S3_HOST: &str = "s3.sandbox.example";
/// The sandbox's S3 keys (sandbox only; the guide's procedure puts them in the Secret).
pub const ACCESS_KEY: &str = "SANDBOXACCESSKEY01";
pub const SECRET_KEY: &str = "sandbox-s3-secret-key";
/// The region the sandbox's S3 server answers for.
pub const REGION: &str = "us-east-1";

/// Where a running S3 server keeps its data and keys.
#[derive(Clone, Debug)]
pub struct S3Server {
    pub addr: std::net::SocketAddr,
    pub root: PathBuf,
}

impl S3Server {
    /// `http://s3.sandbox.example:<port>`: the `regionEndpoint` of the guide's S3 setup here.
    pub fn endpoint(&self) -> String {
        format!("http://{S3_HOST}:{}", self.addr.port())
    }

    pub fn credentials_file(&self) -> PathBuf {
        credentials_file(&self.root)
    }

    /// The keys the server accepts from now on (a rotation on the storage side).
    pub fn set_keys(&self, keys: &[(&str, &str)]) -> Result<()> {
        write_keys(&self.root, keys)
    }
}

fn credentials_file(root: &Path) -> PathBuf {
    root.join(".credentials")
}

fn write_keys(root: &Path, keys: &[(&str, &str)]) -> Result<()> {
    let text: String = keys.iter().map(|(a, s)| format!("{a}:{s}\n")).collect();
    std::fs::write(credentials_file(root), text)?;
    Ok(())
}

/// The keys in the credentials file, read as each request arrives.
struct FileAuth {
    file: PathBuf,
}

#[async_trait::async_trait]
impl s3s::auth::S3Auth for FileAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<s3s::auth::SecretKey> {
        let text = tokio::fs::read_to_string(&self.file)
            .await
            .unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(access, _)| *access == access_key)
            .map(|(_, secret)| s3s::auth::SecretKey::from(secret.to_string()))
            .ok_or_else(|| {
                s3_error!(
                    InvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records."
                )
            })
    }
}

struct Storage {
    fs: FileSystem,
    root: PathBuf,
}

impl Storage {
    /// `NoSuchBucket` unless `bucket` exists (s3s-fs would make it on the first write).
    fn bucket_exists(&self, bucket: &str) -> S3Result<()> {
        let dir = self.root.join(bucket);
        if bucket.is_empty()
            || bucket.contains(['/', '\\'])
            || bucket.starts_with('.')
            || !dir.is_dir()
        {
            return Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist"
            ));
        }
        Ok(())
    }
}

/// Methods passed to s3s-fs as they are, each after the bucket check.
macro_rules! storage_impl {
    ({$($method:ident: $input:ident => $output:ident),* $(,)?} $($extra:tt)*) => {
        #[async_trait::async_trait]
        impl S3 for Storage {
            $(
                async fn $method(&self, req: S3Request<$input>) -> S3Result<S3Response<$output>> {
                    self.bucket_exists(&req.input.bucket)?;
                    self.fs.$method(req).await
                }
            )*
            $($extra)*
        }
    };
}

storage_impl! {
    {
        copy_object: CopyObjectInput => CopyObjectOutput,
        delete_bucket: DeleteBucketInput => DeleteBucketOutput,
        delete_object: DeleteObjectInput => DeleteObjectOutput,
        delete_objects: DeleteObjectsInput => DeleteObjectsOutput,
        get_bucket_location: GetBucketLocationInput => GetBucketLocationOutput,
        get_object: GetObjectInput => GetObjectOutput,
        head_bucket: HeadBucketInput => HeadBucketOutput,
        head_object: HeadObjectInput => HeadObjectOutput,
        list_objects: ListObjectsInput => ListObjectsOutput,
        list_objects_v2: ListObjectsV2Input => ListObjectsV2Output,
        put_object: PutObjectInput => PutObjectOutput,
        create_multipart_upload: CreateMultipartUploadInput => CreateMultipartUploadOutput,
        upload_part: UploadPartInput => UploadPartOutput,
        complete_multipart_upload: CompleteMultipartUploadInput => CompleteMultipartUploadOutput,
        abort_multipart_upload: AbortMultipartUploadInput => AbortMultipartUploadOutput,
    }

    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }

    async fn list_buckets(&self, req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }

    async fn upload_part_copy(&self, req: S3Request<UploadPartCopyInput>) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.bucket_exists(&req.input.bucket)?;
        self.fs.upload_part_copy(req).await
    }

    // distribution 2.8 reads `IsTruncated` without checking that it is there.
    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        self.bucket_exists(&req.input.bucket)?;
        let mut response = self.fs.list_parts(req).await?;
        response.output.is_truncated.get_or_insert(false);
        Ok(response)
    }

    /// The open uploads of a bucket (under a prefix), from the files s3s-fs keeps for each:
    /// `.upload-<id>.json` and `.bucket-<b64 bucket>.object-<b64 key>.upload-<id>.metadata.json`.
    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        use base64::Engine;
        let input = req.input;
        self.bucket_exists(&input.bucket)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let decode = |text: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(text)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        let entries = std::fs::read_dir(&self.root).map_err(|e| s3_error!(InternalError, "{e}"))?;
        let mut uploads = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name
                .strip_prefix(".bucket-")
                .and_then(|r| r.strip_suffix(".metadata.json"))
            else {
                continue;
            };
            let Some((bucket, rest)) = rest.split_once(".object-") else { continue };
            let Some((key, id)) = rest.split_once(".upload-") else { continue };
            let (Some(bucket), Some(key)) = (decode(bucket), decode(key)) else { continue };
            if bucket != input.bucket
                || !key.starts_with(&prefix)
                || !self.root.join(format!(".upload-{id}.json")).exists()
            {
                continue;
            }
            uploads.push(MultipartUpload {
                key: Some(key),
                upload_id: Some(id.to_string()),
                ..Default::default()
            });
        }
        uploads.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            is_truncated: Some(false),
            uploads: Some(uploads),
            ..Default::default()
        }))
    }
}

/// Starts the S3 server on a free port of 127.0.0.1 with its data in `root`, accepting the
/// sandbox's keys; it serves until the runtime ends.
pub async fn start(root: &Path) -> Result<S3Server> {
    std::fs::create_dir_all(root)?;
    let root = root.canonicalize()?;
    write_keys(&root, &[(ACCESS_KEY, SECRET_KEY)])?;
    let fs = FileSystem::new(&root).map_err(|e| Error::Setup(format!("S3 server: {e:?}")))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(Storage {
        fs,
        root: root.clone(),
    });
    builder.set_auth(FileAuth {
        file: credentials_file(&root),
    });
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::Setup(format!("S3 server: cannot listen on 127.0.0.1: {e}")))?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let http =
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let connection = http
                .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone())
                .into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
    });
    tracing::info!(%addr, root = %root.display(), "S3 server (s3s) listening");
    Ok(S3Server { addr, root })
}

/// What the operator needs to reach the sandbox's S3 server for a `regionEndpoint`: the
/// address to connect to when the endpoint names the sandbox's host, `None` for any other
/// endpoint (the sandbox contacts nothing outside 127.0.0.0/8).
pub fn sandbox_address(endpoint: &str, server: &S3Server) -> Option<String> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "80"));
    (host.eq_ignore_ascii_case(S3_HOST) && port == server.addr.port().to_string())
        .then(|| format!("http://{}", server.addr))
}
