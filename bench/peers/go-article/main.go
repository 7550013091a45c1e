// The echo server of the article in shared/seed-article.txt
// (golang.org/x/net/websocket), as written there except for two things: it
// listens on the address given (port 0 picks one) and prints it, and it does
// not print every message it receives and sends (that would measure
// fmt.Println). Like the article's, it answers every message with a text
// message, and x/net/websocket refuses a handshake without an Origin.
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
	fmt.Printf("listening on ws://%s/\n", l.Addr())
	http.Handle("/", websocket.Handler(echoHandler))
	panic(http.Serve(l, nil))
}
