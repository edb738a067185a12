
mod scenario;
