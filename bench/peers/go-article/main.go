// The echo server of the article in shared/seed-article.txt
// (golang.org/x/net/websocket), as written there except for three things:
// it listens on the address given (port 0 picks one) and prints it, it does
// not print every message it receives and sends (that would measure
// fmt.Println), and with a certificate chain and key (PEM files) after the
// address it serves wss:// (crypto/tls). Like the article's, it answers
// every message with a text message, and x/net/websocket refuses a
// handshake without an Origin.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"golang.org/x/net/websocket"
)

func echoHandler(ws *websocket.Conn) {
	var msg string
	for {
		err := websocket.Message.Receive(ws, &msg)
		if err != nil {
			return
		}
		err = websocket.Message.Send(ws, msg)
		if err != nil {
			fmt.Println("send error:", err)
			return
		}
	}
}

func main() {
	addr := "127.0.0.1:8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	http.Handle("/", websocket.Handler(echoHandler))
	if len(os.Args) > 3 {
		fmt.Printf("listening on wss://%s/\n", l.Addr())
		panic(http.ServeTLS(l, nil, os.Args[2], os.Args[3]))
	}
	fmt.Printf("listening on ws://%s/\n", l.Addr())
	panic(http.Serve(l, nil))
}
