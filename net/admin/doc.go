// Package admin is Paddock's AdminServer: the HTTP side of ZooKeeper's
// JettyAdminServer and its JSON rendering, independent of what the
// commands compute. It owns
//
//   - the listener and the http.Server (New, Start, Close),
//   - request routing under the command URL (default "/commands"):
//     GET {url} lists the commands as HTML links, GET {url}/<name> runs a
//     command and answers with its JSON object,
//   - the layout of a command's answer (Response: the command's keys, then
//     "command" and "error", as ZooKeeper's CommandResponse.toMap orders
//     them), and
//   - MarshalJackson, which writes JSON byte for byte as ZooKeeper's
//     JsonOutputter (Jackson's default pretty printer) does.
//
// What a command computes belongs to package server, which implements
// Commands; this package resolves no names and knows no command.
//
// # Behaviour copied from ZooKeeper 3.8
//
// Every answer to a command is status 200 with Content-Type
// application/json, even for an unknown command ("error" :
// "Unknown command: <name>"). The listing has no Content-Type, like
// Jetty's. The command name is the rest of the path after "{url}/",
// percent-decoded, so "{url}/ruok/" asks for the command "ruok/".
// Query parameters are handed to the command; ZooKeeper reads only the
// first value of each.
//
// Paths are canonicalised as Jetty does before matching: path parameters
// (";x=1") are dropped from every segment, the path is percent-decoded
// (as ISO-8859-1 if it is not valid UTF-8), then "." and ".." segments
// are resolved; an encoded NUL, a ".." above the root and a "." or ".."
// segment carrying path parameters are 400 Bad Message. Other paths are
// 404, POST/PUT/DELETE are 405, TRACE is 403 (ZooKeeper forbids it),
// OPTIONS is 200 with "Allow: GET, HEAD, TRACE, OPTIONS", and any other
// method is 501. As in Jetty, only GET, HEAD and POST errors carry an
// HTML error page; the page leaves out Jetty's servlet name and banner.
package admin
