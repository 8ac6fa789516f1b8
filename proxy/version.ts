// The proxy's own version (kept equal to proxy/VERSION, checked by a test) and the git revision the
// image was built from (build arg → env in the Dockerfile; "dev" outside an image).
export const PROXY_VERSION = '0.3.0';
export const REVISION = process.env.DPL_PROXY_REVISION ?? 'dev';
export const VERSION = `${PROXY_VERSION}+${REVISION}`;
