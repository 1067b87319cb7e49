//! A DNS server for the tests, on a loopback UDP port: it answers TXT
//! questions from a table the test changes as it goes (a record published,
//! changed, taken down) and NXDOMAIN for any name not in it. Messages are
//! read and written with hickory's protocol types; the resolver under test
//! talks to it as to any server named by ORGPORTAL_DNS_RESOLVER.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hickory_resolver::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::TXT;
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use tokio::net::UdpSocket;

type Records = Arc<Mutex<HashMap<String, Vec<String>>>>;

pub struct DnsServer {
    pub addr: SocketAddr,
    records: Records,
    task: tokio::task::JoinHandle<()>,
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let records: Records = Arc::default();
        let table = records.clone();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else { return };
                let Ok(question) = Message::from_vec(&buf[..n]) else { continue };
                let answer = answer(&question, &table);
                let _ = socket.send_to(&answer.to_vec().unwrap(), from).await;
            }
        });
        DnsServer { addr, records, task }
    }

    /// Publishes `values` as the TXT records of `name` (replacing any).
    pub fn publish(&self, name: &str, values: &[&str]) {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.records.lock().unwrap().insert(name, values.iter().map(|v| v.to_string()).collect());
    }

    pub fn take_down(&self, name: &str) {
        self.records.lock().unwrap().remove(name.trim_end_matches('.'));
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn answer(question: &Message, table: &Records) -> Message {
    let mut reply = Message::response(question.metadata.id, OpCode::Query);
    reply.metadata.message_type = MessageType::Response;
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = question.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    let Some(query) = question.queries.first() else {
        reply.metadata.response_code = ResponseCode::FormErr;
        return reply;
    };
    reply.add_query(query.clone());
    let name = query.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
    match table.lock().unwrap().get(&name) {
        Some(values) if query.query_type() == RecordType::TXT => {
            let records = values
                .iter()
                .map(|v| Record::from_rdata(query.name().clone(), 0, RData::TXT(TXT::new(vec![v.clone()]))));
            reply.add_answers(records);
        }
        Some(_) => {}
        None => reply.metadata.response_code = ResponseCode::NXDomain,
    }
    reply
}
